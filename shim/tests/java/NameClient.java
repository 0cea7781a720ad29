// A Java client for tests/shim/dns_test.go: resolves a host name through
// InetAddress (getaddrinfo underneath) and sends one HTTP request there.
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;

public class NameClient {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        InetAddress addr = InetAddress.getByName(host);
        try (Socket s = new Socket(addr, port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /java HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes("US-ASCII"));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) > 0) {
            }
        }
    }
}
