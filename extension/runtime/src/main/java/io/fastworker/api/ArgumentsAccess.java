package io.fastworker.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Arguments;
import io.fastworker.engine.TaskView;
import io.fastworker.security.Authentication;
import io.fastworker.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/**
 * Who sees a task's arguments ({@code ?include=args}): the {@code admin} role, unless
 * {@code fastworker.api.args-visible=false} hides them from everyone. Any other caller gets {@code 403}; an
 * {@code include} other than {@code args} gets {@code 400}.
 */
@ApplicationScoped
class ArgumentsAccess {

    /** A task and the arguments it was submitted with ({@code arguments} null once they are no longer kept). */
    @RegisterForReflection
    record TaskWithArguments(@JsonUnwrapped TaskView task, Arguments arguments) {
    }

    @Inject
    FastWorkerConfig.Api apiSettings;

    /** Whether {@code include} asks for the arguments, which {@code identity} may then see; refuses otherwise. */
    boolean requested(String include, SecurityIdentity identity) {
        if (include == null || include.isBlank()) {
            return false;
        }
        if (!include.trim().equals("args")) {
            throw ProblemException.badRequest("query parameter 'include' may only be 'args' (the task's arguments), "
                    + "got '" + include + "'");
        }
        if (!apiSettings.argsVisible()) {
            throw new ProblemException(403, "args-hidden", "Arguments are hidden", "this control plane shows no "
                    + "task's arguments (fastworker.api.args-visible=false)", Map.of());
        }
        if (!identity.hasRole(Roles.ADMIN)) {
            throw new ProblemException(403, "forbidden", "Forbidden", Authentication.forbidden(identity,
                    List.of(Roles.ADMIN)) + " to see a task's arguments", Map.of());
        }
        return true;
    }

    /** Whether the dashboard may ask for arguments on behalf of {@code identity}. */
    boolean visibleTo(SecurityIdentity identity) {
        return apiSettings.argsVisible() && identity.hasRole(Roles.ADMIN);
    }
}
