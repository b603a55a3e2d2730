// Unit tests use no services: opening a network connection fails the test at once, rather than
// letting a unit test lean on a Redis or Postgres that happens to run on this machine.
import net from 'node:net';

net.Socket.prototype.connect = function refuseConnection(): never {
  throw new Error('a unit test opened a network connection; a test that needs a service belongs in test/integration');
};
