package io.fastworker.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a daemon process does; each role is also a Quarkus configuration profile of the same name. */
public enum Role {
    /** Takes tasks over HTTP, queues them and dispatches them to subworkers (or runs them itself). */
    CONTROL_PLANE("control-plane"),
    /** Dials a control plane's link and runs the tasks it is sent. */
    SUBWORKER("subworker");

    /** The valid role names, as written on the command line. */
    public static final String NAMES = Arrays.stream(values()).map(Role::profile).collect(Collectors.joining(", "));

    private final String profile;

    Role(String profile) {
        this.profile = profile;
    }

    /** The name on the command line, which is also the configuration profile. */
    public String profile() {
        return profile;
    }

    /** @throws IllegalArgumentException listing the valid roles */
    public static Role parse(String value) {
        for (Role r : values()) {
            if (r.profile.equalsIgnoreCase(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + value + "'; valid roles: " + NAMES);
    }

    @Override
    public String toString() {
        return profile;
    }
}
