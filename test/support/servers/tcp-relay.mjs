// A TCP relay in a process of its own: listens on 127.0.0.1:<port> and pipes
// every connection to <host>:<port> of the target. Tests SIGKILL it to make
// an endpoint vanish with requests in flight (its connections reset, the port
// refuses), then start it again on the same port. Prints "ready" when listening.
import net from "node:net";

const [listenPort, targetHost, targetPort] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(Number(targetPort), targetHost);
  const closeBoth = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", closeBoth);
  upstream.on("error", closeBoth);
  client.pipe(upstream).pipe(client);
});
server.listen(Number(listenPort), "127.0.0.1", () => process.stdout.write("ready\n"));
