/** Runs the command line from the TypeScript sources (`npm run fsql -- …`); bin/fsql.js runs the compiled one. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
