/** The message `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a rejection, but the promise resolved");
}
