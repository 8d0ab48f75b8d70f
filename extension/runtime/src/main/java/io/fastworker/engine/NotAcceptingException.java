package io.fastworker.engine;

/** This process does not take submissions now (a subworker, or a control plane starting or stopping). */
public class NotAcceptingException extends RuntimeException {
    public NotAcceptingException(String message) {
        super(message);
    }
}
