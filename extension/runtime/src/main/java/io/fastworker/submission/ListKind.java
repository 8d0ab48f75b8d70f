package io.fastworker.submission;

/** How refusals name a list of submissions: a {@code batch} of entries or a {@code group} of tasks. */
public enum ListKind {
    /** {@code POST /tasks/batch}: a refusal names the entry's index, also as the member {@code index}. */
    BATCH("batch", "submissions", "entry", "no task of this batch was accepted", true),
    /** {@code POST /groups}: a refusal names the task's index. */
    GROUP("group", "tasks", "task", "nothing of this group was accepted", false);

    final String whole;
    final String items;
    final String item;
    final String nothingAccepted;
    final boolean indexExtension;

    ListKind(String whole, String items, String item, String nothingAccepted, boolean indexExtension) {
        this.whole = whole;
        this.items = items;
        this.item = item;
        this.nothingAccepted = nothingAccepted;
        this.indexExtension = indexExtension;
    }
}
