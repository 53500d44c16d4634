/**
 * True when a Docker engine answers. testcontainers throws "Could not find a working container runtime strategy"
 * without one (the docker CLI alone is not enough), so that error means "no engine", not a failure.
 */
export async function dockerEngineAnswers(timeoutMs = 3000): Promise<boolean> {
  const probe = (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return true;
    } catch {
      return false;
    }
  })();
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  return Promise.race([probe, timeout]);
}
