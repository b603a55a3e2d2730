// npm run bench: the performance benchmark (SPEC §9) is not built yet; say so plainly.
console.error('npm run bench: the benchmark is not available yet in this version.');
process.exitCode = 2;
