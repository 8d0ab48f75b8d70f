package io.fastworker.api;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** What the dashboard at {@code /ui} needs to know of this control plane's settings. */
@Tag(name = "Dashboard", description = "Settings the dashboard reads.")
@Path("/ui/settings")
@Produces(MediaType.APPLICATION_JSON)
public class UiSettingsResource {

    /**
     * {@code traceUrl}: {@code fastworker.ui.trace-url} (null when unset); {@code argsVisible}: whether this caller
     * may see tasks' arguments ({@code GET /tasks/{id}?include=args}).
     */
    @RegisterForReflection
    public record UiSettings(@Schema(nullable = true) String traceUrl, boolean argsVisible) {
    }

    @Inject
    FastWorkerConfig.Ui uiSettings;

    @Inject
    ArgumentsAccess arguments;

    @Inject
    SecurityIdentity identity;

    @Operation(operationId = "getUiSettings", summary = "Get the dashboard's settings",
            description = "What the dashboard needs from the server, such as the link to a trace viewer.")
    @GET
    @RolesAllowed(Roles.READ)
    public UiSettings settings() {
        return new UiSettings(uiSettings.traceUrl().orElse(null), arguments.visibleTo(identity));
    }
}
