package io.fastworker.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Objects;

/** A task's place in a group: the group's id, this member's index (0 first) and how many members it has. */
@RegisterForReflection
public record GroupMember(String id, int index, int size) {

    public GroupMember {
        Objects.requireNonNull(id, "id");
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("member " + index + " of " + size);
        }
    }

    /** The task id of member {@code index} of group {@code group}: {@code <group>:<index>}. */
    public static String taskId(String group, int index) {
        return group + ":" + index;
    }

    /** The task id of the group's {@code then} task: {@code <group>:then}. */
    public static String thenId(String group) {
        return group + ":then";
    }
}
