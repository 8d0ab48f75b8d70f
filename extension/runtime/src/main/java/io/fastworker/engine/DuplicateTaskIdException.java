package io.fastworker.engine;

/** A submission reused the id of a task this control plane still knows; nothing of it was accepted. */
public class DuplicateTaskIdException extends RuntimeException {

    public DuplicateTaskIdException(String id) {
        super("task id '" + id + "' is already in use; leave 'id' out to get a fresh one");
    }
}
