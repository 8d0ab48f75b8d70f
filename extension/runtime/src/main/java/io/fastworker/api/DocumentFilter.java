package io.fastworker.api;

import io.fastworker.task.Priority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.Paths;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * The API's description, completed at build time: every error response of every operation is a problem document
 * ({@code application/problem+json}, RFC 9457), described once as the schema {@code Problem}; a priority is
 * described by its names on the wire ({@code critical}, ...), as clients write and read them; a Jackson tree is any
 * JSON value (an {@code ObjectNode} any object); an answer has the properties described and no others, and those it
 * always carries are required (so generated clients type them as present); a path that names something answers 404
 * when there is no such thing.
 */
public class DocumentFilter implements OASFilter {

    static final String MEDIA_TYPE = "application/problem+json";

    @Override
    public Operation filterOperation(Operation operation) {
        if (operation.getResponses() != null && operation.getResponses().getAPIResponses() != null) {
            for (Map.Entry<String, APIResponse> e : operation.getResponses().getAPIResponses().entrySet()) {
                boolean error = e.getKey().startsWith("4") || e.getKey().startsWith("5");
                if (error
                        && (e.getValue().getContent() == null || e.getValue().getContent().getMediaTypes().isEmpty())) {
                    e.getValue().setContent(problem());
                }
            }
        }
        return operation;
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        if (components.getSchemas() != null) {
            wirePriorities(components);
            jsonTrees(components);
            strict(components);
        }
        if (openAPI.getPaths() != null && openAPI.getPaths().getPathItems() != null) {
            notFound(openAPI.getPaths());
            if (components.getSchemas() != null) {
                required(components, requests(openAPI.getPaths(), components));
            }
        }
        Schema task = components.getSchemas() == null ? null : components.getSchemas().get("TaskView");
        if (task != null) { // after the required pass: only ?include=args adds it
            task.addProperty("arguments", OASFactory.createSchema().description("Only with ?include=args (admin): "
                    + "the arguments it was submitted with, {args, kwargs}, or null once no longer kept")
                    .addType(Schema.SchemaType.OBJECT).addType(Schema.SchemaType.NULL));
        }
        // added after the strict pass: a problem may carry more fields than these
        components.addSchema("Problem", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("An error (RFC 9457). Some problems carry more fields, such as index (the bad entry of "
                        + "a batch), knownTasks, limit or taskStatus.")
                .addProperty("type", string("A stable name of the kind of problem: urn:fastworker:problem:<code>"))
                .addProperty("title", string("A short, fixed summary of the kind of problem"))
                .addProperty("status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)
                        .description("The HTTP status code"))
                .addProperty("detail", string("What was wrong with this request, and what to do instead"))
                .addRequired("type").addRequired("title").addRequired("status"));
    }

    /** A priority by its names on the wire. */
    private static void wirePriorities(Components components) {
        Schema priority = components.getSchemas().get("Priority");
        if (priority != null) {
            priority.setEnumeration(
                    java.util.Arrays.stream(Priority.values()).<Object>map(Priority::wireName).toList());
        }
    }

    /** Jackson's trees are JSON values: any value, and any object (not the Java classes' bean properties). */
    private static void jsonTrees(Components components) {
        if (components.getSchemas().containsKey("JsonNode")) {
            components.addSchema("JsonNode", OASFactory.createSchema().description("Any JSON value"));
            components.removeSchema("JsonNodeType"); // only the Java class's bean property used it
        }
        if (components.getSchemas().containsKey("ObjectNode")) {
            components.addSchema("ObjectNode", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                    .description("A JSON object"));
        }
    }

    /**
     * The document is strict: an object the API answers has the properties described, and no others, so a field
     * added to an answer without being described fails a validating client (Prism's proxy in CI).
     */
    private static void strict(Components components) {
        components.getSchemas().values().stream()
                .filter(schema -> schema.getProperties() != null && !schema.getProperties().isEmpty())
                .forEach(schema -> schema.setAdditionalPropertiesBoolean(Boolean.FALSE));
        // A chain's next step is a submission in turn; validators that resolve the recursive reference lose its
        // properties (Prism 5 reads it as an object of none), so it is described as an object in words.
        Schema submission = components.getSchemas().get("Submission");
        if (submission != null && submission.getProperties() != null
                && submission.getProperties().containsKey("then")) {
            Schema then = submission.getProperties().get("then");
            submission.addProperty("then", OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                    .description(then.getDescription() + ": a Submission, as this schema describes it"));
        }
    }

    /**
     * The answers that leave a property out when it has no value (Jackson's {@code NON_NULL}); each names what it
     * always carries with {@code @Schema(requiredProperties = ...)}. Every other answer writes all its properties,
     * null where there is no value. ContractIT's validating proxy holds both to what the daemon sends.
     */
    static final Set<String> LEAVE_OUT_NULLS = Set.of("Attempt", "TaskError", "TaskEvent", "ProgressEvent",
            "GapEvent", "BatchAccepted");

    /** Every property of an answer that writes all its properties is required; request bodies keep their own. */
    private static void required(Components components, Set<String> requests) {
        components.getSchemas().forEach((name, schema) -> {
            if (schema.getProperties() != null && !schema.getProperties().isEmpty() && !requests.contains(name)
                    && !LEAVE_OUT_NULLS.contains(name) && !name.equals("Problem")) {
                schema.setRequired(new ArrayList<>(schema.getProperties().keySet()));
            }
        });
    }

    /** The names of the schemas a request body may contain, directly or within another. */
    private static Set<String> requests(Paths paths, Components components) {
        Set<String> names = new HashSet<>();
        paths.getPathItems().values().forEach(item -> item.getOperations().values().forEach(op -> {
            if (op.getRequestBody() != null && op.getRequestBody().getContent() != null) {
                op.getRequestBody().getContent().getMediaTypes().values()
                        .forEach(media -> reach(media.getSchema(), components, names));
            }
        }));
        return names;
    }

    private static void reach(Schema schema, Components components, Set<String> names) {
        if (schema == null) {
            return;
        }
        if (schema.getRef() != null) {
            String name = schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1);
            if (names.add(name)) {
                reach(components.getSchemas().get(name), components, names);
            }
            return;
        }
        reach(schema.getItems(), components, names);
        if (schema.getProperties() != null) {
            schema.getProperties().values().forEach(p -> reach(p, components, names));
        }
        for (List<Schema> alternatives : Arrays.asList(schema.getOneOf(), schema.getAnyOf(), schema.getAllOf())) {
            if (alternatives != null) {
                alternatives.forEach(s -> reach(s, components, names));
            }
        }
    }

    /**
     * A path that names something (a task, a schedule, a limit...) answers 404 when there is no such thing, and
     * /cluster does on a control plane that runs alone.
     */
    private static void notFound(Paths paths) {
        paths.getPathItems().forEach((path, item) -> item.getOperations().values().forEach(op -> {
            if ((path.contains("{") || path.equals("/cluster")) && op.getResponses() != null
                    && op.getResponses().getAPIResponse("404") == null) {
                op.getResponses().addAPIResponse("404", OASFactory.createAPIResponse().content(problem())
                        .description(path.equals("/cluster") ? "This control plane runs alone (no cluster)"
                                : "Nothing by that name or id"));
            }
        }));
    }

    private static Schema string(String description) {
        return OASFactory.createSchema().addType(Schema.SchemaType.STRING).description(description);
    }

    private static Content problem() {
        return OASFactory.createContent().addMediaType(MEDIA_TYPE, OASFactory.createMediaType()
                .schema(OASFactory.createSchema().ref("Problem")));
    }
}
