package io.fastworker.protocol;

/** A frame or message body of the wrong shape: a field missing, of the wrong type or out of its range. */
public class MalformedMessageException extends IllegalArgumentException {

    public MalformedMessageException(String message) {
        super(message);
    }
}
