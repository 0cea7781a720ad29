// Fetches the URL argv[2] with node's http module, prints the body's
// length, then keeps running (as a server would) until a signal stops it.
require('http').get(process.argv[2], (res) => {
  let n = 0;
  res.on('data', (d) => { n += d.length; });
  res.on('end', () => { console.log(n); });
});
setInterval(() => {}, 1 << 30);
