import {Context} from "zocket"

export const sock = new Context().socket("PUB")
export const endpoint = sock.bind("tcp://127.0.0.1:*")

async function run() {
  await endpoint
  console.log("Publisher bound to port 3000")

  // eslint-disable-next-line no-constant-condition, @typescript-eslint/no-unnecessary-condition
  while (!sock.closed) {
    console.log("sending a multipart message envelope")
    await sock.send(["kitty cats", "meow!"])
    await new Promise(resolve => {
      setTimeout(resolve, 500)
    })
  }
}

run().catch(console.error)
