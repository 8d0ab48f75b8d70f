package io.fastworker.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskOptions;
import java.time.Instant;
import java.util.Objects;

/**
 * An accepted submission: what to run, with which arguments and options, not before when, the schedule that
 * submitted it (null when a client did), where to report its end (null: nowhere), the submission to make with its
 * result when it succeeds ({@code then}, null: none), its place in that chain and in a group (null: in none).
 */
public record TaskSpec(String id, String name, ArrayNode args, ObjectNode kwargs, TaskOptions options,
        Instant notBefore, FromSchedule schedule, Callback callback, ObjectNode then, ChainStep chain,
        GroupMember group) {

    public TaskSpec(String id, String name, ArrayNode args, ObjectNode kwargs, TaskOptions options,
            Instant notBefore) {
        this(id, name, args, kwargs, options, notBefore, null, null, null, null, null);
    }

    /** The same submission, made by {@code schedule}. */
    public TaskSpec fromSchedule(FromSchedule schedule) {
        return new TaskSpec(id, name, args, kwargs, options, notBefore, schedule, callback, then, chain, group);
    }

    /** The same submission, reporting its end to {@code callback}. */
    public TaskSpec withCallback(Callback callback) {
        return new TaskSpec(id, name, args, kwargs, options, notBefore, schedule, callback, then, chain, group);
    }

    /** The same submission, as a member of a group. */
    public TaskSpec inGroup(GroupMember group) {
        return new TaskSpec(id, name, args, kwargs, options, notBefore, schedule, callback, then, chain, group);
    }

    /** The same submission, followed by {@code then} (a checked submission) as step {@code chain} of a chain. */
    public TaskSpec followedBy(ObjectNode then, ChainStep chain) {
        return new TaskSpec(id, name, args, kwargs, options, notBefore, schedule, callback, then, chain, group);
    }

    public TaskSpec {
        checkId(id);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
        Objects.requireNonNull(options, "options");
    }

    /**
     * Task ids are 1 to 128 characters of {@code A-Z a-z 0-9 . _ : -}, starting with a letter, a digit or
     * {@code _}, so that every id is one safe URL path segment (no {@code .} or {@code ..}).
     *
     * @throws IllegalArgumentException for any other id
     */
    public static void checkId(String id) {
        if (id == null || id.isEmpty() || id.length() > 128 || id.charAt(0) == '.' || id.charAt(0) == ':'
                || id.charAt(0) == '-') {
            throw badId();
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == ':' || c == '-';
            if (!ok) {
                throw badId();
            }
        }
    }

    private static IllegalArgumentException badId() {
        return new IllegalArgumentException("task id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -, starting "
                + "with a letter, a digit or _");
    }
}
