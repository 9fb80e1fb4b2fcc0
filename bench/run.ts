// `npm run bench`: the benchmarks are not written yet; this prints an empty result set so scripts can rely on the shape.
const json = process.argv.includes('--json');
process.stdout.write(json ? '[]\n' : 'no benchmarks yet\n');
