package io.fastworker.health;

import java.util.concurrent.TimeUnit;

/**
 * The sign of life of one thread the control plane needs: it beats while it works or waits for work. Liveness
 * reads it: a thread that died, or that has not beaten for the stall timeout, takes the process DOWN.
 */
public final class Pulse {

    private final String name;
    private volatile Thread thread;
    private volatile long lastBeat = System.nanoTime();

    public Pulse(String name) {
        this.name = name;
    }

    /** The thread this pulse is of, when one owns it (its death is then seen at once). */
    public Pulse of(Thread owner) {
        this.thread = owner;
        beat();
        return this;
    }

    public void beat() {
        lastBeat = System.nanoTime();
    }

    /** What is wrong with it at {@code now} (nanoTime), or null while it lives. */
    public String problem(long now, long stallNanos) {
        Thread t = thread;
        if (t != null && !t.isAlive()) {
            return name + ": its thread died";
        }
        long quiet = now - lastBeat;
        return quiet > stallNanos ? name + ": no progress for " + TimeUnit.NANOSECONDS.toMillis(quiet) + " ms"
                : null;
    }
}
