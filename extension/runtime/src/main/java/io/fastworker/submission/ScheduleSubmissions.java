package io.fastworker.submission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.FromSchedule;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskSpec;
import io.fastworker.schedule.Schedule;
import io.fastworker.schedule.Submitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;

/** A schedule's tick as a submission, read by the same parser as a client's. */
@ApplicationScoped
class ScheduleSubmissions implements Submitter {

    @Inject
    SubmissionParser parser;

    @Override
    public Submission submission(Schedule schedule, Instant tick) {
        ObjectNode body = schedule.submission();
        body.put("id", schedule.taskId(tick));
        TaskSpec spec = parser.parse(body, tick).fromSchedule(new FromSchedule(schedule.id(), tick));
        return Submission.of(spec);
    }
}
