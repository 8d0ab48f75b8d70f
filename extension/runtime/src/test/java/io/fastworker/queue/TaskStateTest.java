package io.fastworker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskStateTest {

    /** Written out independently of the table in TaskState, so a change there must be made here too. */
    private static final Set<String> LEGAL = Set.of(
            "QUEUED>RUNNING", "QUEUED>CANCELLED",
            "SCHEDULED>QUEUED", "SCHEDULED>CANCELLED",
            "RUNNING>SUCCESS", "RUNNING>FAILURE", "RUNNING>RETRYING", "RUNNING>QUEUED", "RUNNING>CANCELLING",
            "CANCELLING>CANCELLED",
            "RETRYING>QUEUED", "RETRYING>CANCELLED",
            "FAILURE>QUEUED");

    @Test
    void everyPairOfStatesIsAllowedExactlyWhenTheTableSaysSo() {
        int checked = 0;
        for (TaskState from : TaskState.values()) {
            for (TaskState to : TaskState.values()) {
                assertEquals(LEGAL.contains(from + ">" + to), from.canMoveTo(to), from + " -> " + to);
                checked++;
            }
        }
        assertEquals(64, checked);
    }

    @Test
    void exactlyTheFinalStatesAreTerminal() {
        for (TaskState s : TaskState.values()) {
            assertEquals(EnumSet.of(TaskState.SUCCESS, TaskState.FAILURE, TaskState.CANCELLED).contains(s),
                    s.isTerminal(), s.name());
        }
    }

    @Test
    void wireNamesAreLowerCaseAndParseBack() {
        for (TaskState s : TaskState.values()) {
            assertEquals(s.name().toLowerCase(), s.wireName());
            assertEquals(s, TaskState.parse(s.wireName().toUpperCase()));
        }
    }
}
