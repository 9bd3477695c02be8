// tests/realcal/runtimes.sh: parse, validate, transform, sort and hash records
// for a fixed time; "slow" adds a square-root loop per record (slowExtra).
const crypto = require('crypto');
const variant = process.argv[2] || 'none';
const secs = Number(process.argv[3] || 10);
function makeRecords(n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(JSON.stringify({id: i, name: 'user' + (i * 7919 % 1000), tags: ['a', 'b', String(i % 13)], score: (i * 31) % 97}));
  return out;
}
function validate(r) { return /^user\d+$/.test(r.name) && r.tags.length === 3; }
function transform(r) { r.score = r.score * 2 + r.tags.join('').length; return r; }
function hash(s) { return crypto.createHash('sha256').update(s).digest('hex'); }
function sortBatch(b) { return b.sort((x, y) => x.score - y.score || x.id - y.id); }
function slowExtra(r) { let s = 0; for (let i = 0; i < 2000; i++) s += Math.sqrt(i * r.id + 1); return s; }
const recs = makeRecords(4096);
const end = Date.now() + secs * 1000;
let acc = 0;
while (Date.now() < end) {
  const batch = [];
  for (const line of recs) {
    const r = JSON.parse(line);
    if (!validate(r)) continue;
    transform(r);
    if (variant === 'slow') acc += slowExtra(r);
    batch.push(r);
  }
  sortBatch(batch);
  for (const r of batch.slice(0, 256)) acc += hash(JSON.stringify(r)).length;
}
console.log(acc > 0 ? 'ok' : 'no');
