// work.js - a Node.js workload for cpuprofile_live.sh: a hot loop, an
// allocating function, recursion and an anonymous callback, for about
// 1.5 seconds.
'use strict';
function hotLoop(n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i);
    return s;
}
function allocate(n) {
    const a = [];
    for (let i = 0; i < n; i++) a.push({ i, s: 'x' + i });
    return a.length;
}
function rec(depth) {
    return depth > 0 ? rec(depth - 1) : hotLoop(20000);
}
const end = Date.now() + 1500;
let total = 0;
while (Date.now() < end) {
    total += hotLoop(300000) + allocate(20000) + rec(12);
    total += [1, 2, 3].map((x) => hotLoop(5000 * x)).length;
}
if (total === 42) console.log(total);
