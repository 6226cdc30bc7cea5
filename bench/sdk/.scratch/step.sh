#!/bin/bash
# Builds the SDK and runs the micro-bench 3 times: overhead per wrapped call (ns), median of medians.
cd /work/main && npx tsc -b packages/sdk || exit 1
cd bench/sdk/.scratch
for i in 1 2 3; do node prof2.mjs 40; done | tee /dev/stderr | node -e "const l=require('fs').readFileSync(0,'utf8').trim().split('\n').map(JSON.parse);const m=(k)=>l.map(x=>x[k]).sort((a,b)=>a-b)[1];console.log('MEDIAN overhead',m('overhead'),'min',m('min'),'load',require('os').loadavg()[0].toFixed(2))"
