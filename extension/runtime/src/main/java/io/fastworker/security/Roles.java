package io.fastworker.security;

import java.util.List;
import java.util.Set;

/**
 * The API's roles. {@code submit}: submit tasks; {@code read}: read tasks, results, workers and the registry;
 * {@code admin}: cancel, retry, delete dead letters, and everything the other two may do.
 */
public final class Roles {

    public static final String SUBMIT = "submit";
    public static final String READ = "read";
    public static final String ADMIN = "admin";

    /** Every role, in the order the README's table lists them. */
    public static final List<String> ALL = List.of(SUBMIT, READ, ADMIN);

    private Roles() {
    }

    /** The roles a key with {@code granted} holds: {@code admin} includes the others. */
    static Set<String> effective(Set<String> granted) {
        return granted.contains(ADMIN) ? Set.copyOf(ALL) : Set.copyOf(granted);
    }
}
