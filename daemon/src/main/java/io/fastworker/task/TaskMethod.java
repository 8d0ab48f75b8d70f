package io.fastworker.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.InjectableBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** One {@link Task} method bound to its bean. */
record TaskMethod(TaskDefinition definition, InjectableBean<?> bean, Method method, ArgumentBinder binder) {

    String describe() {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }

    JsonNode invoke(Object instance, ArrayNode args, ObjectNode kwargs)
            throws TaskFailureException, InterruptedException {
        Object[] bound = binder.bind(method, args, kwargs);
        Object result;
        try {
            result = method.invoke(instance, bound);
            if (result instanceof CompletionStage<?> stage) {
                result = stage.toCompletableFuture().get();
            }
        } catch (InvocationTargetException | ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            if (cause instanceof TaskFailureException tf) {
                throw tf;
            }
            throw new TaskFailureException(new TaskError(TaskError.TASK_ERROR,
                    cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(),
                    cause.getClass().getName()));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + describe(), e);
        }
        return binder.toJson(result);
    }
}
