package io.fastworker.engine;

/** The control plane holds as many unfinished tasks as it may; nothing of the refused submission was accepted. */
public class QueueFullException extends RuntimeException {

    private final int capacity;

    public QueueFullException(int capacity, int requested) {
        super("the control plane already holds its limit of " + capacity + " unfinished tasks (fastworker.queue."
                + "capacity); " + requested + " more were refused and none of them was accepted; retry later");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
