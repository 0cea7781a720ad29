// Fetches the URL argv[2] with node's own http or https module and writes
// the body to stdout; for https, argv[3] is the PEM of the server's CA.
const fs = require('fs');
const url = process.argv[2];
const https = url.startsWith('https:');
const opts = https ? { ca: fs.readFileSync(process.argv[3]) } : {};
(https ? require('https') : require('http')).get(url, opts, (res) => {
  if (res.statusCode !== 200) {
    console.error(`status ${res.statusCode}`);
    process.exit(1);
  }
  res.pipe(process.stdout);
}).on('error', (e) => {
  console.error(e.message);
  process.exit(1);
});
