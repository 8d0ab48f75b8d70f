package io.fastworker.execution;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.Iterator;
import java.util.List;

/** Maps JSON {@code args} and {@code kwargs} onto a method's parameters, strictly: no silent type coercion. */
final class ArgumentBinder {

    private final ObjectMapper strict;
    private final ObjectMapper results;

    ArgumentBinder(ObjectMapper appMapper) {
        this.results = appMapper;
        this.strict = JsonMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .build();
    }

    /**
     * Binds {@code args} and {@code kwargs} to the method's parameters, called {@code names} (as the build step
     * read them from the class file).
     */
    Object[] bind(Method method, List<String> names, ArrayNode args, ObjectNode kwargs) throws AttemptFailure {
        Parameter[] params = method.getParameters();
        JsonNode[] values = new JsonNode[params.length];
        if (args.size() > params.length) {
            throw bad("takes " + params.length + " argument(s) but " + args.size() + " positional were given",
                    method);
        }
        for (int i = 0; i < args.size(); i++) {
            values[i] = args.get(i);
        }
        for (Iterator<String> it = kwargs.fieldNames(); it.hasNext();) {
            String key = it.next();
            int index = names.indexOf(key);
            if (index < 0) {
                throw bad("has no parameter '" + key + "'", method);
            }
            if (values[index] != null) {
                throw bad("got parameter '" + key + "' both positionally and by name", method);
            }
            values[index] = kwargs.get(key);
        }
        Object[] bound = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            if (values[i] == null) {
                throw bad("is missing argument '" + names.get(i) + "'", method);
            }
            JavaType type = strict.getTypeFactory().constructType(params[i].getParameterizedType());
            try {
                bound[i] = values[i] instanceof NullNode ? nullFor(params[i], names.get(i), method)
                        : strict.treeToValue(values[i], type);
            } catch (AttemptFailure e) {
                throw e;
            } catch (Exception e) {
                throw bad("argument '" + names.get(i) + "' must be " + describe(type) + ", got "
                        + values[i].getNodeType().name().toLowerCase(), method);
            }
        }
        return bound;
    }

    JsonNode toJson(Object result) throws AttemptFailure {
        try {
            return result == null ? NullNode.getInstance() : results.valueToTree(result);
        } catch (IllegalArgumentException e) {
            throw new AttemptFailure(TaskError.of(TaskError.BAD_RESULT,
                    "result of type " + result.getClass().getName() + " cannot be written as JSON: "
                            + e.getMessage()));
        }
    }

    private static Object nullFor(Parameter p, String name, Method method) throws AttemptFailure {
        if (p.getType().isPrimitive()) {
            throw bad("argument '" + name + "' must not be null", method);
        }
        return null;
    }

    private static String describe(JavaType type) {
        Class<?> raw = type.getRawClass();
        if (raw == int.class || raw == long.class || raw == Integer.class || raw == Long.class
                || raw == short.class || raw == Short.class) {
            return "an integer";
        }
        if (raw == double.class || raw == float.class || raw == Double.class || raw == Float.class) {
            return "a number";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "a boolean";
        }
        if (raw == String.class) {
            return "a string";
        }
        return "a " + raw.getSimpleName();
    }

    private static AttemptFailure bad(String what, Method method) {
        return new AttemptFailure(TaskError.of(TaskError.BAD_ARGUMENTS, what.startsWith("argument")
                ? what : method.getName() + " " + what));
    }
}
