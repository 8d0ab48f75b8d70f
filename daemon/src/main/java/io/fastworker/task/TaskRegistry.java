package io.fastworker.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableBean;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.inject.Inject;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * The tasks this process can run: every {@link Task} method of every CDI bean, found at start-up. Two methods
 * with one task name stop start-up.
 */
@Startup
@ApplicationScoped
public class TaskRegistry {

    private static final Logger LOG = Logger.getLogger(TaskRegistry.class);

    @Inject
    FastWorkerConfig config;

    @Inject
    ObjectMapper objectMapper;

    private final Map<String, TaskMethod> tasks = new TreeMap<>();

    @PostConstruct
    void discover() {
        ArgumentBinder binder = new ArgumentBinder(objectMapper);
        for (InjectableBean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)
                .stream().filter(b -> b instanceof InjectableBean<?>).map(b -> (InjectableBean<?>) b).toList()) {
            Class<?> type = bean.getBeanClass();
            if (type.getName().startsWith("io.quarkus.") || type.getName().startsWith("io.smallrye.")) {
                continue;
            }
            boolean declaresTasks = false;
            for (Method method : declaredMethods(type)) {
                Task annotation = method.getAnnotation(Task.class);
                if (annotation == null) {
                    continue;
                }
                if (!Modifier.isPublic(method.getModifiers()) || Modifier.isStatic(method.getModifiers())) {
                    throw new IllegalStateException("@Task method " + type.getName() + "." + method.getName()
                            + " must be public and not static");
                }
                String name = annotation.name().isBlank() ? method.getName() : annotation.name();
                TaskDefinition definition = new TaskDefinition(name, Optional.of(binder.parameterNames(method)),
                        options(annotation, name));
                declaresTasks = true;
                TaskMethod previous = tasks.put(name, new TaskMethod(definition, bean, method, binder));
                if (previous != null) {
                    throw new IllegalStateException("task name '" + name + "' is declared twice: by "
                            + previous.describe() + " and by " + type.getName() + "." + method.getName());
                }
            }
            if (declaresTasks) {
                warnIfNotNativeReady(type);
            }
        }
        LOG.infof("Registered %d tasks: %s", tasks.size(), String.join(", ", tasks.keySet()));
    }

    private static void warnIfNotNativeReady(Class<?> type) {
        RegisterForReflection r = type.getAnnotation(RegisterForReflection.class);
        if (r == null || !r.methods()) {
            LOG.warnf("%s declares tasks but is not annotated @RegisterForReflection(methods = true); a native "
                    + "build of this application will not find them", type.getName());
        }
    }

    private static List<Method> declaredMethods(Class<?> type) {
        List<Method> methods = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            methods.addAll(List.of(c.getDeclaredMethods()));
        }
        return methods;
    }

    private TaskOptions options(Task a, String name) {
        FastWorkerConfig.TaskDefaults d = config.taskDefaults();
        try {
            return new TaskOptions(a.priority(),
                    a.maxRetries() >= 0 ? a.maxRetries() : d.maxRetries(),
                    a.retryDelay().isBlank() ? d.retryDelay() : Durations.parse(a.retryDelay()),
                    a.retryBackoff() > 0 ? a.retryBackoff() : d.retryBackoff(),
                    a.retryBackoffMax().isBlank() ? d.retryBackoffMax() : Durations.parse(a.retryBackoffMax()),
                    a.timeout().isBlank() ? d.timeout() : Durations.parse(a.timeout()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("@Task '" + name + "': " + e.getMessage(), e);
        }
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
     * @throws TaskFailureException when the attempt failed
     * @throws InterruptedException when the calling thread was interrupted (e.g. by a timeout)
     */
    public JsonNode invoke(String name, ArrayNode args, ObjectNode kwargs, TaskContext context)
            throws TaskFailureException, InterruptedException {
        TaskMethod m = tasks.get(name);
        if (m == null) {
            throw new TaskFailureException(TaskError.of(TaskError.BAD_ARGUMENTS,
                    "task '" + name + "' is not registered in this process; known tasks: " + names()));
        }
        TaskContext.set(context);
        try (InstanceHandle<?> handle = Arc.container().instance(m.bean())) {
            return m.invoke(handle.get(), args, kwargs);
        } finally {
            TaskContext.set(null);
        }
    }
}
