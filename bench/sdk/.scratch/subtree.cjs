// Self time per function inside the subtree of a root function (by name), from the newest .cpuprofile.
const fs=require('fs');const dir=process.argv[2], root=process.argv[3];
const f=fs.readdirSync(dir).map(x=>dir+'/'+x).sort((a,b)=>fs.statSync(b).mtimeMs-fs.statSync(a).mtimeMs)[0];
const p=JSON.parse(fs.readFileSync(f));const byId=new Map(p.nodes.map(n=>[n.id,n]));const parent=new Map();
for(const n of p.nodes)for(const c of n.children||[])parent.set(c,n.id);
const inRoot=(id)=>{for(let x=id;x!==undefined;x=parent.get(x)){if(byId.get(x).callFrame.functionName===root)return true}return false};
const self=new Map();let tot=0,all=0;
p.samples.forEach((s,i)=>{const t=p.timeDeltas[i]||0;all+=t;if(!inRoot(s))return;tot+=t;const n=byId.get(s);const k=n.callFrame.functionName+' '+n.callFrame.url.split('/').slice(-1)[0]+':'+n.callFrame.lineNumber;self.set(k,(self.get(k)||0)+t)});
console.log('subtree share of all',(tot/all*100).toFixed(1)+'%');
[...self].sort((a,b)=>b[1]-a[1]).slice(0,25).forEach(([k,t])=>console.log((t/tot*100).toFixed(1).padStart(5),k))
