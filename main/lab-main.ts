/** `npm run lab`: the standalone practice lab (being built; see main/lab/lab.ts). */
console.log('Pi Cluster Wizard practice lab: not ready yet.');
