// `pnpm start` will start the example app (examples/api) once it exists (issue: example app).
console.error(
  'expresskit: the example app (examples/api) has not landed yet, so `pnpm start` has nothing to run.\n' +
    'Each package can be used on its own today: see the package table in README.md.',
);
process.exit(1);
