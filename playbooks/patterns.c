/* patterns.c: the leak-pattern catalogue: data only, in match order (the first rule that matches
 * names the pattern). See classify.h for what each field asks. Wait states are as Go prints them:
 * Go 1.21 and newer say "sync.Mutex.Lock" and "sync.WaitGroup.Wait" where older Go says
 * "semacquire"; frames cover both ("sync.(*Mutex).Lock" is on the stack in every version). */
#include "playbooks/classify.h"

const struct pb_pattern pb_patterns[] = {
	{
		.id = "runtime-proven-leak",
		.title = "goroutines the runtime proved leaked",
		.explanation = "The goroutineleak profile marks goroutines blocked on a channel or lock that no "
			       "live goroutine can reach any more: they can never wake up.",
		.advice = "Follow the top user frame: the channel or lock it waits on lost its other end. Fix "
			  "the code path that dropped it (a return before the send, a forgotten close).",
		.proven = 1,
		.leak = 1,
		.alone = 1,
	},
	{
		.id = "nil-channel",
		.title = "send or receive on a nil channel",
		.explanation = "An operation on a nil channel blocks forever: the channel was never made, or "
			       "was set to nil and then used outside a select.",
		.advice = "Make the channel before the goroutine starts (make(chan T)); only disable select "
			  "cases by setting a channel to nil, never a plain send or receive.",
		.states = {"chan send (nil chan)", "chan receive (nil chan)"},
		.leak = 1,
		.alone = 1,
	},
	{
		.id = "select-empty",
		.title = "select {} blocks forever",
		.explanation = "An empty select never returns. Fine once in main; a leak when goroutines doing "
			       "it keep being started.",
		.advice = "Wait on something that ends: a context's Done channel, a signal, or a WaitGroup.",
		.states = {"select (no cases)"},
		.leak = 1,
	},
	{
		.id = "http-body-not-closed",
		.title = "HTTP response body not closed",
		.explanation = "Each net/http client connection has a readLoop and a writeLoop goroutine. When "
			       "resp.Body is never closed (or not read to the end) the connection is neither "
			       "reused nor closed, so both goroutines stay and grow together with the requests.",
		.advice = "defer resp.Body.Close() right after the error check of every request, on every "
			  "path (also on non-2xx answers), and drain the body (io.Copy(io.Discard, resp.Body)) "
			  "to keep connections reusable. Set Transport.IdleConnTimeout.",
		.any = {"net/http.(*persistConn).readLoop", "net/http.(*persistConn).writeLoop"},
		.frames_alone = 1,
		.leak = 1,
	},
	{
		.id = "server-read-no-deadline",
		.title = "server connection stuck reading without a deadline",
		.explanation = "An HTTP server connection waits for the next request with no read or idle "
			       "timeout: every client that opens a connection and goes quiet (or never closes "
			       "its bodies) pins a conn.serve goroutine for ever.",
		.advice = "Set http.Server ReadHeaderTimeout, ReadTimeout and IdleTimeout (net.Conn "
			  "SetReadDeadline for raw servers); look at the clients too: a client that never "
			  "closes response bodies keeps these open.",
		.any = {"net/http.(*conn).serve"},
		.none = {"net/http.(*connReader).backgroundRead", "*.ServeHTTP"},
		.leaf = {"internal/poll.runtime_pollWait"},
		.frames_alone = 1,
		.leak = 1,
	},
	{
		.id = "waitgroup-never-done",
		.title = "sync.WaitGroup never done",
		.explanation = "Wait blocks until the counter is zero; a path that Adds without a matching "
			       "Done (an early return, a skipped goroutine, a panic without defer) blocks it for ever.",
		.advice = "Add(1) right before each go statement and defer wg.Done() as the goroutine's first "
			  "line; never Add for work that may be skipped.",
		.states = {"semacquire", "sync.WaitGroup.Wait"},
		.any = {"sync.(*WaitGroup).Wait"},
		.frames_alone = 1,
		.leak = 1,
		.alone = 1,
	},
	{
		.id = "mutex-never-unlocked",
		.title = "mutex never unlocked",
		.explanation = "Every goroutine that tries to take the lock queues behind a holder that "
			       "returned (an error path, a panic) without unlocking it.",
		.advice = "Lock and defer Unlock on the next line; find the early return between Lock and "
			  "Unlock in the function that holds the lock (often not the one on this stack).",
		.states = {"semacquire", "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock"},
		.any = {"sync.(*Mutex).Lock", "sync.(*RWMutex).Lock", "sync.(*RWMutex).RLock"},
		.frames_alone = 1,
		.leak = 1,
		.alone = 1,
	},
	{
		.id = "cond-never-signalled",
		.title = "sync.Cond never signalled",
		.explanation = "Cond.Wait sleeps until Signal or Broadcast; a waiter whose condition is never "
			       "announced (or was announced before it waited) never wakes.",
		.advice = "Check the condition in a loop around Wait, Broadcast on every state change and on "
			  "shutdown; a channel closed once is often simpler.",
		.states = {"sync.Cond.Wait", "semacquire"},
		.any = {"sync.(*Cond).Wait"},
		.frames_alone = 1,
		.leak = 1,
	},
	{
		.id = "sleep-loop",
		.title = "time.Sleep loop that never ends",
		.explanation = "A goroutine polls with time.Sleep and has no way to stop; every start adds one.",
		.advice = "Use a time.Ticker in a select with ctx.Done(), stop the ticker on return.",
		.states = {"sleep"},
		.leaf = {"time.Sleep"},
		.frames_alone = 1,
		.leak = 1,
	},
	{
		.id = "chan-send-no-receiver",
		.title = "channel send with no receiver (the caller timed out)",
		.explanation = "A goroutine sends its result on an unbuffered channel, but the receiver gave up "
			       "(a timeout, a cancelled context, an early return) and nobody will ever read it.",
		.advice = "Make the channel buffered with room for every sender (make(chan T, 1)), or select on "
			  "the send and ctx.Done() so the sender can leave.",
		.states = {"chan send"},
		.leak = 1,
		.alone = 1,
	},
	{
		.id = "chan-recv-never-closed",
		.title = "channel receive never fed or closed",
		.explanation = "Goroutines range over or receive from a channel that nobody sends to or closes "
			       "any more; they pile up as more are started.",
		.advice = "The sending side must close the channel when done (defer close(ch)); receivers "
			  "should also select on ctx.Done().",
		.states = {"chan receive"},
		.growth = PB_GROWTH_GROWING,
		.leak = 1,
	},
	{
		.id = "idle-receiver",
		.title = "waiting to receive: a worker pool or consumer unless it grows",
		.explanation = "A fixed set of goroutines waiting for work on a channel is the normal shape of a "
			       "worker pool; it is a leak only if the group grows.",
		.advice = "Nothing to do unless it grows: compare two snapshots (leakscope diff).",
		.states = {"chan receive"},
	},
	{
		.id = "select-no-exit",
		.title = "select loop without a ctx.Done() exit",
		.explanation = "A loop selects over channels none of which will ever be ready: its context is "
			       "never cancelled (the cancel func is dropped or stored and forgotten) or it has no "
			       "Done case at all.",
		.advice = "Give the loop a <-ctx.Done() case and make sure the owner calls cancel (defer "
			  "cancel() where the context is made; go vet's lostcancel finds dropped ones).",
		.states = {"select"},
		.growth = PB_GROWTH_GROWING,
		.leak = 1,
	},
	{
		.id = "select-loop",
		.title = "select loop waiting: an event loop unless it grows",
		.explanation = "A long-lived loop waiting in select is normal when there is a fixed number of them.",
		.advice = "Nothing to do unless it grows: compare two snapshots (leakscope diff).",
		.states = {"select"},
	},
	{
		.id = "net-read-no-deadline",
		.title = "network read without a deadline",
		.explanation = "Goroutines wait for bytes from peers that went quiet; without a deadline they "
			       "wait for ever, one per connection.",
		.advice = "Set a read deadline (conn.SetReadDeadline) or a timeout on the client; close "
			  "connections on context cancellation.",
		.states = {"IO wait"},
		.any = {"net.(*conn).Read", "net.(*netFD).Read"},
		.frames_alone = 1,
		.growth = PB_GROWTH_GROWING,
		.leak = 1,
	},
	{
		.id = "chan-or-select",
		.title = "blocked on a channel operation or select",
		.explanation = "The goroutine parked in its own code: a channel send, a receive or a select "
			       "(debug=0 and debug=1 profiles hide which; a debug=2 profile names the wait "
			       "state). It grows, so the other end of that channel is gone.",
		.advice = "Take a debug=2 snapshot for the exact pattern. Typical fixes: a buffered result "
			  "channel for senders whose receiver timed out, a ctx.Done() case in select loops, "
			  "close() by the sender for receivers.",
		.leaf_user = 1,
		.no_states = 1,
		.frames_alone = 1,
		.growth = PB_GROWTH_GROWING,
		.leak = 1,
	},
	{
		.id = "parked-in-user-code",
		.title = "waiting on a channel or select, not known to grow",
		.explanation = "The goroutine parked in its own code (a channel operation or a select); "
			       "worker pools and event loops look like this. Only growth makes it a leak.",
		.advice = "Compare two snapshots (leakscope diff), or take a debug=2 snapshot for wait "
			  "states and ages.",
		.leaf_user = 1,
		.no_states = 1,
		.frames_alone = 1,
	},
};

const size_t pb_npatterns = sizeof(pb_patterns) / sizeof(pb_patterns[0]);
