package io.fastworker.schedule;

import io.fastworker.engine.Submission;
import java.time.Instant;

/** Turns a schedule's tick into a submission, checked as a client's would be (task known, arguments bindable). */
public interface Submitter {

    /**
     * The submission of {@code schedule} for {@code tick}, with the task's current default options.
     *
     * @throws RuntimeException (an API problem) when the task is unknown or the arguments do not bind
     */
    Submission submission(Schedule schedule, Instant tick);
}
