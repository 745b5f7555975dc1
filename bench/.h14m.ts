import { measureApply } from './apply.ts';
const [target, mode] = process.argv.slice(2);
console.log(JSON.stringify(await measureApply({ target: target as any, mode: mode as any, repeat: 1 })));
