// npm run preview -- [--type TYPE] [--locale LOCALE] [--channel CHANNEL] [--no-payment] [--name NAME] [--out DIR]
// Prints an intervention's messages for a sample customer (preview-messages.ts).
import { previewMessages } from './preview-messages.js';
import { runCli } from './run-cli.js';

await runCli(async () => {
  previewMessages(process.argv.slice(2), (text) => console.log(text));
  return 0;
});
