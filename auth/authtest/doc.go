// Package authtest is a small test kit for code that embeds kpbot's auth:
// a settable fake Clock and ready-made token codec and password hasher.
//
// To drive token expiry from a fake clock, build the codec yourself:
//
//	clock := authtest.NewClock(time.Time{})
//	codec, err := jwt.New(jwt.Config{HS256Key: key, Now: clock.Now})
//
// and pass clock.Now as auth.Config.Now too.
package authtest
