// Some of js-ipfs's transitive dependencies (resolved to today's releases) call
// Promise.withResolvers, which Node 22 has and Node 20 does not.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
