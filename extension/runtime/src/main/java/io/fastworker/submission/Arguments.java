package io.fastworker.submission;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Whether a submission's arguments can bind to its task's parameters. */
final class Arguments {

    private Arguments() {
    }

    /**
     * Refuses arguments that cannot bind to the parameters: too many positional ones, an unknown or repeated name,
     * or a parameter left without a value. Whether the values have the right types is found out when the task runs.
     */
    static void checkBinding(String task, List<String> params, ArrayNode args, ObjectNode kwargs) {
        String problem = null;
        if (args.size() > params.size()) {
            problem = "takes " + params.size() + " argument(s) but " + args.size() + " positional were given";
        }
        for (Iterator<String> it = kwargs.fieldNames(); problem == null && it.hasNext();) {
            String key = it.next();
            int index = params.indexOf(key);
            if (index < 0) {
                problem = "has no parameter '" + key + "'";
            } else if (index < args.size()) {
                problem = "got parameter '" + key + "' both positionally and by name";
            }
        }
        if (problem == null) {
            List<String> missing = new ArrayList<>();
            for (int i = args.size(); i < params.size(); i++) {
                if (!kwargs.has(params.get(i))) {
                    missing.add(params.get(i));
                }
            }
            if (!missing.isEmpty()) {
                problem = "is missing argument(s) " + String.join(", ", missing);
            }
        }
        if (problem != null) {
            throw InvalidSubmissionException.of("bad-arguments", "Arguments do not fit the task", "task '" + task
                    + "' " + problem + "; its parameters are (" + String.join(", ", params) + ")",
                    Map.of("parameters", params));
        }
    }
}
