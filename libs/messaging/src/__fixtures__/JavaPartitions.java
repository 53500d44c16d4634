import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;

/**
 * Prints, for each key read from stdin (one per line), the partition the Java producer puts a record with that key
 * on, out of args[0] partitions: the Java client's own code (BuiltInPartitioner.partitionForKey), not a copy.
 * Run by partitioner.int-spec.ts with the broker's jars on the classpath.
 */
public class JavaPartitions {
  public static void main(String[] args) throws Exception {
    int partitions = Integer.parseInt(args[0]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    for (String key; (key = in.readLine()) != null; ) {
      out.append(BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), partitions)).append('\n');
    }
    System.out.print(out);
  }
}
