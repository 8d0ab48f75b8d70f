package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.task.Task;
import io.fastworker.task.TaskContext;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableBean;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The tasks this process can run: the {@link Task} methods the FastWorker extension found at build time (where a
 * bad task already failed the build), bound to their beans at start-up.
 */
@Startup
@ApplicationScoped
public class TaskRegistry {

    private static final Logger LOG = Logger.getLogger(TaskRegistry.class);

    /** {@code class#method#parameter,names} of every task method, recorded at build time. */
    private static volatile List<String> declared;

    @Inject
    FastWorkerConfig config;

    @Inject
    ObjectMapper objectMapper;

    private final Map<String, TaskMethod> tasks = new TreeMap<>();

    /** Called once, at static init, with what the build step found. */
    static void declare(List<String> taskMethods) {
        declared = List.copyOf(taskMethods);
    }

    @PostConstruct
    void bind() {
        if (declared == null) {
            throw new IllegalStateException("no task list was recorded at build time: build the application with "
                    + "the quarkus-fastworker extension");
        }
        ArgumentBinder binder = new ArgumentBinder(objectMapper);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (String entry : declared) {
            String[] parts = entry.split("#", -1);
            List<String> parameters = parts[2].isEmpty() ? List.of() : List.of(parts[2].split(","));
            Method method;
            try {
                method = find(Class.forName(parts[0], false, loader), parts[1], parameters.size());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("task class " + parts[0] + " is missing at run time", e);
            }
            Task annotation = method.getAnnotation(Task.class);
            String name = annotation.name().isBlank() ? method.getName() : annotation.name();
            TaskOptions.Overrides declared = declared(annotation, name);
            TaskDefinition definition = new TaskDefinition(name, Optional.of(parameters),
                    TaskOptions.withDefaults(config.taskDefaults(), declared, "@Task '" + name + "'"), declared,
                    limit(annotation, name));
            tasks.put(name, new TaskMethod(definition, bean(method.getDeclaringClass()), method, binder,
                    List.of(annotation.doNotRetry())));
        }
        LOG.infof("Registered %d tasks: %s", tasks.size(), String.join(", ", tasks.keySet()));
    }

    private static Method find(Class<?> type, String name, int parameters) {
        List<Method> found = new ArrayList<>();
        for (Method m : type.getDeclaredMethods()) { // declared ones: what a native image registers
            if (m.getName().equals(name) && m.getParameterCount() == parameters && m.isAnnotationPresent(Task.class)) {
                found.add(m);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("task method " + type.getName() + "." + name + " with " + parameters
                    + " parameters is " + (found.isEmpty() ? "missing" : "ambiguous") + " at run time");
        }
        return found.get(0);
    }

    private static InjectableBean<?> bean(Class<?> type) {
        return Arc.container().beanManager().getBeans(type, Any.Literal.INSTANCE).stream()
                .filter(b -> b instanceof InjectableBean<?> && b.getBeanClass() == type)
                .map(b -> (InjectableBean<?>) b).findFirst()
                .orElseThrow(() -> new IllegalStateException("task class " + type.getName() + " is not a bean"));
    }

    /** The options a {@code @Task} sets over the configured defaults (its priority always). */
    private static TaskOptions.Overrides declared(Task a, String name) {
        try {
            return new TaskOptions.Overrides(a.priority(), a.maxRetries() >= 0 ? a.maxRetries() : null,
                    a.retryDelay().isBlank() ? null : Durations.parse(a.retryDelay()),
                    a.retryBackoff() > 0 ? a.retryBackoff() : null,
                    a.retryBackoffMax().isBlank() ? null : Durations.parse(a.retryBackoffMax()),
                    a.timeout().isBlank() ? null : Durations.parse(a.timeout()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@Task '" + name + "': " + e.getMessage(), e);
        }
    }

    private static Optional<Limit> limit(Task a, String name) {
        if (a.maxConcurrency() == 0 && a.rateLimit().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Limit(a.maxConcurrency() == 0 ? null : a.maxConcurrency(),
                    a.rateLimit().isBlank() ? null : Rate.parse(a.rateLimit())));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@Task '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The {@code @Task} annotation of one of this application's own tasks. */
    public Optional<Task> annotation(String name) {
        TaskMethod m = tasks.get(name);
        return m == null ? Optional.empty() : Optional.of(m.method().getAnnotation(Task.class));
    }

    public Optional<TaskDefinition> find(String name) {
        TaskMethod m = tasks.get(name);
        return m == null ? Optional.empty() : Optional.of(m.definition());
    }

    /** All tasks, sorted by name. */
    public Collection<TaskDefinition> definitions() {
        return tasks.values().stream().map(TaskMethod::definition).toList();
    }

    public String names() {
        return String.join(", ", tasks.keySet());
    }

    /**
     * Runs one attempt of a task body on the calling thread.
     *
     * @return the result as JSON ({@code null} node for a void method)
     * @throws AttemptFailure when the attempt failed
     * @throws InterruptedException when the calling thread was interrupted (e.g. by a timeout)
     */
    JsonNode invoke(String name, ArrayNode args, ObjectNode kwargs, TaskContext context)
            throws AttemptFailure, InterruptedException {
        TaskMethod m = tasks.get(name);
        if (m == null) {
            throw new AttemptFailure(TaskError.of(TaskError.BAD_ARGUMENTS,
                    "task '" + name + "' is not registered in this process; known tasks: " + names()));
        }
        try (TaskContext.Scope scope = TaskContext.enter(context);
                InstanceHandle<?> handle = Arc.container().instance(m.bean())) {
            return m.invoke(handle.get(), args, kwargs);
        }
    }
}
