// `pnpm bench` will run the benchmarks in bench/ once they exist (issue: bench/).
console.error('expresskit: bench/ has not landed yet, so `pnpm bench` has nothing to run.');
process.exit(1);
