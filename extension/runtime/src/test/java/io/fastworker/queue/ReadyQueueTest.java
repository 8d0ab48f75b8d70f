package io.fastworker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastworker.task.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class ReadyQueueTest {

    record Item(String id, String task, Priority priority) {
        Item(String id, Priority priority) {
            this(id, "t", priority);
        }
    }

    private static ReadyQueue<Item> queue() {
        return new ReadyQueue<>(Item::priority, Item::task);
    }

    private static List<String> drain(ReadyQueue<Item> q, Predicate<String> runnable) {
        List<String> order = new ArrayList<>();
        Item i;
        while ((i = q.poll(runnable)) != null) {
            order.add(i.id());
        }
        return order;
    }

    @Test
    void takesStrictlyByPriorityThenFifo() {
        ReadyQueue<Item> q = queue();
        q.add(new Item("low1", Priority.LOW));
        q.add(new Item("normal1", Priority.NORMAL));
        q.add(new Item("high1", Priority.HIGH));
        q.add(new Item("critical1", Priority.CRITICAL));
        q.add(new Item("low2", Priority.LOW));
        q.add(new Item("critical2", Priority.CRITICAL));
        q.addFirst(new Item("normal0", Priority.NORMAL));
        assertEquals(List.of("critical1", "critical2", "high1", "normal0", "normal1", "low1", "low2"),
                drain(q, t -> true));
        assertEquals(0, q.size());
    }

    @Test
    void fifoHoldsAcrossTaskNamesWithinALevel() {
        ReadyQueue<Item> q = queue();
        q.add(new Item("a1", "a", Priority.NORMAL));
        q.add(new Item("b1", "b", Priority.NORMAL));
        q.add(new Item("a2", "a", Priority.NORMAL));
        q.addFirst(new Item("b0", "b", Priority.NORMAL));
        q.add(new Item("c1", "c", Priority.NORMAL));
        assertEquals(List.of("b0", "a1", "b1", "a2", "c1"), drain(q, t -> true));
    }

    @Test
    void anItemNobodyCanRunHoldsBackNothingAndStaysQueued() {
        ReadyQueue<Item> q = queue();
        q.add(new Item("py1", "py_reverse", Priority.CRITICAL));
        q.add(new Item("py2", "py_reverse", Priority.NORMAL));
        q.add(new Item("add1", "add", Priority.NORMAL));
        q.add(new Item("add2", "add", Priority.LOW));
        assertEquals(List.of("add1", "add2"), drain(q, Set.of("add")::contains));
        assertEquals(2, q.size());
        assertEquals(1, q.depth(Priority.CRITICAL));
        assertEquals(2, q.depth("py_reverse"));
        assertEquals(List.of("py1", "py2"), drain(q, t -> true));
    }

    @Test
    void removeTakesAnItemOutOfItsLevel() {
        ReadyQueue<Item> q = queue();
        Item a = new Item("a", Priority.HIGH);
        q.add(a);
        assertEquals(1, q.depth(Priority.HIGH));
        assertTrue(q.remove(a));
        assertEquals(0, q.depth(Priority.HIGH));
        assertNull(q.poll(t -> true));
    }
}
