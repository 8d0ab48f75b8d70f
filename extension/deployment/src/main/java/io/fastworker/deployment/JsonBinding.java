package io.fastworker.deployment;

import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.RecordComponentInfo;
import org.jboss.jandex.Type;

/**
 * Whether a parameter or result type can travel as JSON (Jackson, strictly): scalars, strings, enums, dates,
 * {@code JsonNode}, collections and maps of such, arrays, {@code Optional}, records of such, and classes Jackson
 * can create (a no-argument constructor or a {@code @JsonCreator}). Classes outside the index are given the benefit
 * of the doubt; JDK classes outside these families (streams, threads, I/O) are refused.
 */
final class JsonBinding {

    private static final Set<String> SCALARS = Set.of("java.lang.String", "java.lang.Boolean", "java.lang.Character",
            "java.lang.Byte", "java.lang.Short", "java.lang.Integer", "java.lang.Long", "java.lang.Float",
            "java.lang.Double", "java.lang.Number", "java.lang.Object", "java.math.BigDecimal", "java.math.BigInteger",
            "java.util.UUID", "java.net.URI", "java.net.URL", "java.util.Locale", "java.util.Currency",
            "java.time.Instant", "java.time.LocalDate", "java.time.LocalDateTime", "java.time.LocalTime",
            "java.time.OffsetDateTime", "java.time.OffsetTime", "java.time.ZonedDateTime", "java.time.Duration",
            "java.time.Period", "java.time.Year", "java.time.YearMonth", "java.time.MonthDay", "java.time.ZoneId",
            "java.time.ZoneOffset", "java.time.DayOfWeek", "java.time.Month", "java.util.Date");
    private static final Set<String> COLLECTIONS = Set.of("java.util.List", "java.util.Collection",
            "java.lang.Iterable", "java.util.Set", "java.util.SortedSet", "java.util.NavigableSet", "java.util.Queue",
            "java.util.Deque", "java.util.ArrayList", "java.util.LinkedList", "java.util.HashSet",
            "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.ArrayDeque", "java.util.Optional");
    private static final Set<String> MAPS = Set.of("java.util.Map", "java.util.SortedMap", "java.util.NavigableMap",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap");
    private static final Set<String> FUTURES = Set.of("java.util.concurrent.CompletionStage",
            "java.util.concurrent.CompletableFuture");
    private static final DotName JSON_CREATOR = DotName.createSimple("com.fasterxml.jackson.annotation.JsonCreator");
    private static final DotName JSON_TYPE_INFO = DotName.createSimple("com.fasterxml.jackson.annotation.JsonTypeInfo");
    private static final DotName JSON_DESERIALIZE = DotName
            .createSimple("com.fasterxml.jackson.databind.annotation.JsonDeserialize");

    private final IndexView index;

    JsonBinding(IndexView index) {
        this.index = index;
    }

    /** Null if {@code type} binds, else why not. {@code result}: a return type (void and futures allowed). */
    String problem(Type type, boolean result) {
        return problem(type, result, new HashSet<>());
    }

    private String problem(Type type, boolean result, Set<DotName> seen) {
        switch (type.kind()) {
            case VOID:
                return result ? null : "void is no parameter type";
            case PRIMITIVE:
                return null;
            case ARRAY:
                return problem(type.asArrayType().constituent(), false, seen);
            case TYPE_VARIABLE:
            case UNRESOLVED_TYPE_VARIABLE:
            case TYPE_VARIABLE_REFERENCE:
                return "a type variable (" + type + ") has no JSON form; use a concrete type";
            case WILDCARD_TYPE:
                Type bound = type.asWildcardType().extendsBound();
                return bound == null ? null : problem(bound, false, seen);
            default:
                break;
        }
        String name = type.name().toString();
        List<Type> arguments = type.kind() == Type.Kind.PARAMETERIZED_TYPE ? type.asParameterizedType().arguments()
                : List.of();
        if (SCALARS.contains(name) || name.startsWith("com.fasterxml.jackson.databind.node.")
                || name.equals("com.fasterxml.jackson.databind.JsonNode")) {
            return null;
        }
        if (FUTURES.contains(name)) {
            if (!result) {
                return "a future is a result type, not an argument";
            }
            return arguments.isEmpty() ? null : problem(arguments.get(0), true, seen);
        }
        if (COLLECTIONS.contains(name)) {
            return arguments.isEmpty() ? null : problem(arguments.get(0), false, seen);
        }
        if (MAPS.contains(name)) {
            if (arguments.size() == 2) {
                String key = arguments.get(0).name().toString();
                if (!SCALARS.contains(key) && !isEnum(arguments.get(0).name())) {
                    return "map keys must be strings, numbers or enums, not " + key;
                }
                return problem(arguments.get(1), false, seen);
            }
            return null;
        }
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.")) {
            return name + " is not data that JSON carries";
        }
        ClassInfo c = index.getClassByName(type.name());
        if (c == null || !seen.add(c.name())) {
            return null; // not indexed (a library class): Jackson may know it; or already being checked
        }
        if (c.isEnum() || c.hasDeclaredAnnotation(JSON_TYPE_INFO) || c.hasDeclaredAnnotation(JSON_DESERIALIZE)) {
            return null;
        }
        if (Modifier.isInterface(c.flags()) || Modifier.isAbstract(c.flags())) {
            return name + " is " + (Modifier.isInterface(c.flags()) ? "an interface" : "abstract")
                    + "; JSON needs a concrete class (or Jackson's @JsonTypeInfo)";
        }
        if (c.isRecord()) {
            for (RecordComponentInfo component : c.recordComponents()) {
                String p = problem(component.type(), false, seen);
                if (p != null) {
                    return "record component '" + component.name() + "' of " + name + ": " + p;
                }
            }
            return null;
        }
        if (c.hasNoArgsConstructor() || hasCreator(c)) {
            return null;
        }
        return name + " has no constructor JSON can use (a no-argument one, or one marked @JsonCreator)";
    }

    private boolean isEnum(DotName name) {
        ClassInfo c = index.getClassByName(name);
        return c != null && c.isEnum();
    }

    private static boolean hasCreator(ClassInfo c) {
        for (MethodInfo m : c.methods()) {
            if (m.hasDeclaredAnnotation(JSON_CREATOR)) {
                return true;
            }
        }
        return false;
    }
}
