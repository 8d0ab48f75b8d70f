package io.fastworker.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Another host on this machine: a network namespace joined to this one by a veth pair, so that what runs in it
 * reaches this host's daemons from a non-loopback address, as a client on another machine would. Needs root and
 * iproute2 ({@code .ci/run} runs as root).
 */
final class OtherHost implements AutoCloseable {

    final String name;
    /** This host's address as the other host sees it. */
    final String hostAddress;
    /** The other host's own address. */
    final String address;
    private final String veth;

    private OtherHost(String name, String veth, String hostAddress, String address) {
        this.name = name;
        this.veth = veth;
        this.hostAddress = hostAddress;
        this.address = address;
    }

    static OtherHost create() throws Exception {
        int n = ThreadLocalRandom.current().nextInt(1, 250);
        String name = "fw-other-" + ProcessHandle.current().pid();
        String veth = "fwv" + (ProcessHandle.current().pid() % 100_000);
        String host = "10.231." + n + ".1";
        String other = "10.231." + n + ".2";
        OtherHost h = new OtherHost(name, veth, host, other);
        try {
            ip("netns", "add", name);
            ip("link", "add", veth, "type", "veth", "peer", "name", veth + "p");
            ip("link", "set", veth + "p", "netns", name);
            ip("addr", "add", host + "/24", "dev", veth);
            ip("link", "set", veth, "up");
            ip("netns", "exec", name, "ip", "addr", "add", other + "/24", "dev", veth + "p");
            ip("netns", "exec", name, "ip", "link", "set", veth + "p", "up");
            ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
        } catch (Exception e) {
            h.close();
            throw new IllegalStateException("cannot make another host with 'ip netns' (root and iproute2 needed): "
                    + e.getMessage(), e);
        }
        return h;
    }

    /** {@code command} run in the other host. */
    List<String> inside(List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(command);
        return all;
    }

    /** Runs {@code command} in the other host to completion; returns its output (stdout and stderr). */
    String run(String... command) throws Exception {
        Process p = new ProcessBuilder(inside(List.of(command))).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish");
        }
        return new String(p.getInputStream().readAllBytes());
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out.strip());
        }
    }

    @Override
    public void close() {
        try {
            ip("netns", "del", name);
        } catch (Exception ignored) {
            // not made
        }
        try {
            ip("link", "del", veth);
        } catch (Exception ignored) {
            // gone with the namespace
        }
    }
}
