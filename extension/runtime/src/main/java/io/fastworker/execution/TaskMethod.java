package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.task.TaskFailureException;
import io.quarkus.arc.InjectableBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/** One {@code @Task} method bound to its bean. */
record TaskMethod(TaskDefinition definition, InjectableBean<?> bean, Method method, ArgumentBinder binder,
        List<Class<? extends Throwable>> doNotRetry) {

    String describe() {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }

    /**
     * Runs the body on {@code instance}.
     *
     * @throws AttemptFailure when the arguments do not bind, the body failed, or its result cannot be written
     * @throws InterruptedException when the body was interrupted
     */
    JsonNode invoke(Object instance, ArrayNode args, ObjectNode kwargs) throws AttemptFailure, InterruptedException {
        Object[] bound = binder.bind(method, definition.parameters().orElseThrow(), args, kwargs);
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
            throw new AttemptFailure(failure(cause));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call " + describe(), e);
        }
        return binder.toJson(result);
    }

    /** The error a throwable of the body becomes: final when the body said so, or its class is in doNotRetry. */
    private TaskError failure(Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        boolean doNotRetryThis = doNotRetry.stream().anyMatch(c -> c.isInstance(cause));
        if (cause instanceof TaskFailureException tf) {
            Throwable origin = tf.getCause() == null ? tf : tf.getCause();
            return new TaskError(TaskError.TASK_ERROR, message, origin.getClass().getName(),
                    !tf.retryable() || doNotRetryThis);
        }
        return new TaskError(TaskError.TASK_ERROR, message, cause.getClass().getName(), doNotRetryThis);
    }
}
