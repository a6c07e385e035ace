// Runs before the app's modules. The page's CSP allows no eval; zod compiles its object parsers with
// `new Function` where it can, and finds out by trying when each schema is built, which the browser
// reports as a CSP violation. zod reads this shared config object; without eval it parses the same.
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
