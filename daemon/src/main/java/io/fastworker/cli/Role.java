package io.fastworker.cli;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What a daemon process does; each role is also a Quarkus configuration profile of the same name. */
public enum Role {
    CONTROL_PLANE("control-plane"),
    SUBWORKER("subworker");

    static final String NAMES = Arrays.stream(values()).map(Role::profile).collect(Collectors.joining(", "));

    private final String profile;

    Role(String profile) {
        this.profile = profile;
    }

    public String profile() {
        return profile;
    }

    static Role parse(String value) {
        for (Role r : values()) {
            if (r.profile.equalsIgnoreCase(value)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role '" + value + "'; valid roles: " + NAMES);
    }
}
