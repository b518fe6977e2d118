import {Context} from "zocket"

export const sock = new Context().socket("PUSH")
export const endpoint = sock.bind("tcp://127.0.0.1:*")

async function run() {
  await endpoint
  console.log("Producer bound to port 3000")

  // eslint-disable-next-line no-constant-condition, @typescript-eslint/no-unnecessary-condition
  while (!sock.closed) {
    await sock.send("some work")
    await new Promise(resolve => {
      setTimeout(resolve, 500)
    })
  }
}

run().catch(console.error)
