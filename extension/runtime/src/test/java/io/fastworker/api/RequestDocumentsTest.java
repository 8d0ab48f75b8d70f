package io.fastworker.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastworker.schedule.Schedule;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The described request bodies have exactly the fields their readers take, so the description cannot drift. */
class RequestDocumentsTest {

    static Set<String> fields(Class<? extends Record> document) {
        return Arrays.stream(document.getRecordComponents()).map(c -> c.getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void eachDescribedBodyHasExactlyTheFieldsItsReaderTakes() {
        assertEquals(new TreeSet<>(LimitsResource.FIELDS), fields(RequestDocuments.Limit.class));
        assertEquals(new TreeSet<>(GroupsResource.FIELDS), fields(RequestDocuments.Group.class));
        assertEquals(new TreeSet<>(Schedule.FIELDS), fields(RequestDocuments.Schedule.class));
    }
}
