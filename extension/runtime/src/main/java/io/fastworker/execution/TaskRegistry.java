package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
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

    @Inject
    DeclaredTasks declared;

    @Inject
    FastWorkerConfig.TaskDefaults taskDefaults;

    @Inject
    ObjectMapper objectMapper;

    private final Map<String, TaskMethod> tasks = new TreeMap<>();
    private final Map<String, DeclaredTask> byName = new TreeMap<>();

    @PostConstruct
    void bind() {
        ArgumentBinder binder = new ArgumentBinder(objectMapper);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (DeclaredTask d : declared.tasks()) {
            Method method;
            List<Class<? extends Throwable>> doNotRetry = new ArrayList<>();
            try {
                method = find(Class.forName(d.declaringClass(), false, loader), d.method(), d.parameters().size());
                for (String type : d.doNotRetry()) {
                    doNotRetry.add(Class.forName(type, false, loader).asSubclass(Throwable.class));
                }
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("a class of @Task '" + d.name() + "' is missing at run time: "
                        + e.getMessage(), e);
            }
            TaskOptions.Overrides options = d.overrides(); // checked by the build
            TaskDefinition definition = new TaskDefinition(d.name(), Optional.of(d.parameters()),
                    TaskOptions.withDefaults(taskDefaults, options, "@Task '" + d.name() + "'"), options, d.limit());
            tasks.put(d.name(), new TaskMethod(definition, bean(method.getDeclaringClass()), method, binder,
                    List.copyOf(doNotRetry)));
            byName.put(d.name(), d);
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

    /** One of this application's own tasks as its {@code @Task} declares it. */
    public Optional<DeclaredTask> declared(String name) {
        return Optional.ofNullable(byName.get(name));
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
