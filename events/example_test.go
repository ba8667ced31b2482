package events_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// printBus is a Bus that prints each notice; a server uses an in-process
// or cross-instance bus adapter.
type printBus struct{}

func (printBus) Publish(_ context.Context, topic string, seq int64) error {
	fmt.Printf("notice %s #%d\n", topic, seq)
	return nil
}

func (printBus) Subscribe(context.Context) (<-chan events.Notice, error) {
	return nil, errors.New("printBus: no subscribers")
}

func (printBus) Close() error { return nil }

// Publishing stores each event on its topics with the next seq, then
// announces it; a reader that has seen a topic up to some seq asks the
// log for what came since, as GET /api/events?since= and a resumed
// WebSocket do. The log here is SQLite in a temporary directory.
func ExamplePublisher() {
	ctx := context.Background()
	db, done, err := dbtest.TempSQLite(ctx) // a server opens its database with sqlite.Open or postgres.Open
	if err != nil {
		log.Fatal(err)
	}
	defer done()
	eventLog := bunstore.NewEvents(db)
	pub, err := events.NewPublisher(eventLog, printBus{})
	if err != nil {
		log.Fatal(err)
	}

	for i, name := range []string{"RunStarted", "ProspectFound", "ProspectFound", "RunCompleted"} {
		if _, err := pub.Publish(ctx, name, map[string]int{"step": i + 1}, "run:42", "campaign:7"); err != nil {
			log.Fatal(err)
		}
	}

	const since = 2 // the reader has seen run:42 up to seq 2
	evs, err := eventLog.After(ctx, "run:42", since, 100)
	if err != nil {
		log.Fatal(err)
	}
	for _, ev := range evs {
		fmt.Printf("since %d: %s #%d %s %s\n", since, ev.Topic, ev.Seq, ev.Name, ev.Data)
	}
	last, err := eventLog.Last(ctx, "campaign:7")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("campaign:7 last seq:", last)
	// Output:
	// notice run:42 #1
	// notice campaign:7 #1
	// notice run:42 #2
	// notice campaign:7 #2
	// notice run:42 #3
	// notice campaign:7 #3
	// notice run:42 #4
	// notice campaign:7 #4
	// since 2: run:42 #3 ProspectFound {"step":3}
	// since 2: run:42 #4 RunCompleted {"step":4}
	// campaign:7 last seq: 4
}
