package io.fastworker.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastworker.submission.SubmissionParser;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SubmissionDocumentTest {

    @Test
    void theDescribedSubmissionHasExactlyTheFieldsTheParserTakes() {
        Set<String> described = Arrays.stream(SubmissionDocument.class.getRecordComponents())
                .map(c -> c.getName()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(SubmissionParser.FIELDS), described);
    }
}
